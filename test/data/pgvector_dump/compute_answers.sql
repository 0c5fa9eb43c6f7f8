-- Part of the pgvector dump fixtures (README.md here): fills pgvector_answers.answer by running each query (exact
-- scans: no index is used for an answer).
SET enable_indexscan = off;
SET enable_bitmapscan = off;
DO $$
DECLARE r record; a text;
BEGIN
  FOR r IN SELECT name, query FROM pgvector_answers LOOP
    BEGIN
      EXECUTE r.query INTO a;
    EXCEPTION WHEN OTHERS THEN
      a := 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
    END;
    UPDATE pgvector_answers SET answer = a WHERE name = r.name;
  END LOOP;
END
$$;
RESET enable_indexscan;
RESET enable_bitmapscan;
