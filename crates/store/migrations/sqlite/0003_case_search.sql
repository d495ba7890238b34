-- Full-text search over cases (SQLite): the application writes each case's bigram terms
-- (tongchou_domain::search::document) space-joined; FTS5's unicode61 tokenizer splits on spaces.
-- The rowid is the case id. Queries are conjunctions of terms, so no positions are kept
-- (detail=none) and no column sizes (columnsize=0): both only cost writes.
CREATE VIRTUAL TABLE case_search USING fts5 (body, tokenize = 'unicode61', detail = 'none', columnsize = 0);
