import type { Migration } from "@seekdesk/store";

/** The knowledge base's own migration domain ("knowledge"); numbering is ours alone. */
export const knowledgeMigrations: Migration[] = [
  {
    version: 1,
    name: "documents, chunks, vectors",
    up: `
CREATE TABLE kb_documents (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  title TEXT NOT NULL,
  format TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  text TEXT NOT NULL,
  chunk_count INTEGER NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX kb_documents_source ON kb_documents(source);
CREATE TABLE kb_chunks (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  doc_id TEXT NOT NULL REFERENCES kb_documents(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  section TEXT NOT NULL,
  kind TEXT NOT NULL,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  text TEXT NOT NULL,
  terms TEXT NOT NULL
);
CREATE INDEX kb_chunks_doc ON kb_chunks(doc_id);
CREATE TABLE kb_vectors (
  chunk_rowid INTEGER NOT NULL REFERENCES kb_chunks(rowid) ON DELETE CASCADE,
  embedder TEXT NOT NULL,
  vec BLOB NOT NULL,
  PRIMARY KEY (chunk_rowid, embedder)
);
`,
  },
];
