-- Passages of a document's extracted text, each searchable on its own. The weighted tsvector is
-- written with the chunk: the title (A) and the first passage (B) outrank later passages (C),
-- and an unstemmed 'simple' copy (D) finds words of languages the English stemmer mangles.
create table document_chunks (
  document_id uuid not null references documents (id) on delete cascade,
  ordinal integer not null,
  page integer,
  text text not null,
  tsv tsvector not null,
  primary key (document_id, ordinal)
);

create index document_chunks_tsv_idx on document_chunks using gin (tsv);

-- Why an item failed, for machines: the processing error code (corrupt, encrypted, ...).
alter table queue_items add column error_code text;
