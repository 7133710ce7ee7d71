-- One tsvector per passage, built in the text search configuration of the document's language
-- (to_tsvector is most of a passage's indexing cost; 002 built two per passage). `config` says
-- which one, so a search matches each passage with the query parsed the same way.
--
-- Existing passages keep their tsvector and get no config (null): 002 built theirs from both
-- English and simple, so a query in those two configurations still finds them exactly as before.
-- Rebuilding them here would run to_tsvector over the whole corpus inside this migration's
-- transaction; a reprocess rebuilds a document's passages in the new form whenever needed.
alter table document_chunks add column config regconfig;

-- The configurations a tenant's passages were built in: a search parses its query once in each
-- (a handful) and ORs them for the GIN index. Rows are only added (a stale one costs one more
-- query branch, never a wrong hit), so this stays a few rows per tenant, cheap to read.
create table search_configs (
  tenant text not null,
  config regconfig not null,
  primary key (tenant, config)
);

insert into search_configs (tenant, config)
select distinct d.tenant, cfg.config
  from documents d
  cross join (values ('english'::regconfig), ('simple'::regconfig)) as cfg(config)
 where exists (select 1 from document_chunks c where c.document_id = d.id);

-- OR of many tsqueries (`||` as an aggregate), to combine a query parsed in each configuration.
create aggregate tsquery_or_agg (tsquery) (sfunc = tsquery_or, stype = tsquery);
