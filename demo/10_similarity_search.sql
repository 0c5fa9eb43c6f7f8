-- Similarity search over the Fashion-MNIST sample: the 10 nearest images to a query image, by L2 distance.
\pset footer off
CREATE TABLE products AS SELECT id, label, embedding FROM fashion_raw WHERE split = 'base';
CREATE TABLE queries AS SELECT id, label, embedding FROM fashion_raw WHERE split = 'query';
\echo 'Query image 1 (class label):'
SELECT id, label FROM queries WHERE id = 1;
\echo 'Its 10 nearest products; most should share its class:'
SELECT p.id, p.label, round((p.embedding <-> q.embedding)::numeric, 1) AS l2_distance
FROM products p, queries q
WHERE q.id = 1
ORDER BY p.embedding <-> q.embedding
LIMIT 10;
