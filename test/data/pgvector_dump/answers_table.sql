-- Part of the pgvector dump fixtures (README.md here): the table that carries pgvector's own answers to queries over
-- the fixture data, computed in the pgvector database before it was dumped. Each query returns one text value (or
-- fails: then the answer is 'ERROR <SQLSTATE>: <message>'); t/061_pgvector_dump_restore.pl runs every query again on
-- vectorext after the restore and compares.
CREATE TABLE pgvector_answers (name text PRIMARY KEY, query text NOT NULL, answer text);
