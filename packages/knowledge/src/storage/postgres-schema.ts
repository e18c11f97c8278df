import type { Migration } from "@seekdesk/store";

/** A schema name we create and quote ourselves: lower-case letters, digits and underscores. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(
      `bad knowledge schema name ${JSON.stringify(schema)}: use lower-case letters, digits and underscores`,
    );
  return `"${schema}"`;
}

/**
 * The migration domain: "knowledge" in `public`, "knowledge:<schema>" elsewhere, so knowledge
 * bases in several schemas of one database each keep their own numbering in `schema_migrations`.
 */
export function knowledgeMigrationDomain(schema: string): string {
  return schema === "public" ? "knowledge" : `knowledge:${schema}`;
}

/**
 * The Postgres twin of `knowledgeMigrations`. Table names are schema-qualified rather than left
 * to `search_path`, which a connection pooler (or PGlite, whose connections share one session)
 * does not keep per connection. Vectors sit in an unsized `vector` column so that several
 * embedders, each with its own dimension, can coexist as in SQLite; each embedder gets its own
 * partial HNSW index on `embedding::vector(d)` (created when a knowledge base opens with it).
 */
export function postgresKnowledgeMigrations(schema: string): Migration[] {
  const s = checkSchemaName(schema);
  return [
    {
      version: 1,
      name: "documents, chunks, vectors, change counter",
      up: `
CREATE TABLE ${s}.kb_documents (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  title TEXT NOT NULL,
  format TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  text TEXT NOT NULL,
  chunk_count INTEGER NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX kb_documents_source ON ${s}.kb_documents(source);
CREATE TABLE ${s}.kb_chunks (
  key BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  doc_id TEXT NOT NULL REFERENCES ${s}.kb_documents(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  section TEXT NOT NULL,
  kind TEXT NOT NULL,
  start_offset INTEGER NOT NULL,
  end_offset INTEGER NOT NULL,
  text TEXT NOT NULL,
  terms TEXT NOT NULL
);
CREATE INDEX kb_chunks_doc ON ${s}.kb_chunks(doc_id);
CREATE TABLE ${s}.kb_vectors (
  chunk_key BIGINT NOT NULL REFERENCES ${s}.kb_chunks(key) ON DELETE CASCADE,
  embedder TEXT NOT NULL,
  embedding vector NOT NULL,
  PRIMARY KEY (chunk_key, embedder)
);
CREATE TABLE ${s}.kb_state (
  singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
  generation BIGINT NOT NULL DEFAULT 0
);
INSERT INTO ${s}.kb_state DEFAULT VALUES;
`,
    },
  ];
}
