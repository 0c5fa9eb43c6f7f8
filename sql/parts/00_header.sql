-- vectorext extension script. Built by the Makefile from sql/parts/*.sql in name order; edit the parts.
\echo Use "CREATE EXTENSION vectorext" to load this file. \quit
