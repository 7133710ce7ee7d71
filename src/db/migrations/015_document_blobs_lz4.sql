-- Uploaded bytes are compressed with lz4 instead of pglz, the default. Postgres compresses every
-- value over 2 kB as it stores it, on the upload's commit path: for text documents pglz took
-- about twice as long per row as lz4 (measured on 10 kB of prose), and large uploads compress
-- or give up faster too. Values stored before keep their method and stay readable. A server
-- built without lz4 refuses the method; it then keeps pglz, which is only slower.
do $$
begin
  alter table document_blobs alter column bytes set compression lz4;
exception when feature_not_supported then
  raise notice 'this server has no lz4: document_blobs keeps pglz';
end
$$;
