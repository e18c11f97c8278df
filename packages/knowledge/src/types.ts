export interface DocumentInfo {
  id: string;
  source: string;
  title: string;
  format: string;
  contentHash: string;
  bytes: number;
  chunkCount: number;
  createdAt: string;
  updatedAt: string;
}

/** One chunk of a document as the knowledge API lists it (GET /api/kb/documents/:id/chunks). */
export interface DocumentChunk {
  id: string;
  docId: string;
  /** Position in the document, from 0. */
  ordinal: number;
  /** The heading path the chunk sits under; null at the top of a document. */
  section: string | null;
  /** What the chunker cut: text, faq (a question with its answer) or table. */
  kind: string;
  /** Character offsets of the chunk in the document's text. */
  start: number;
  end: number;
  text: string;
}

export type IngestStatus = "added" | "updated" | "unchanged" | "failed" | "skipped";

/** One line of an ingest report: every input gets one, failures included. */
export interface IngestResult {
  source: string;
  status: IngestStatus;
  documents: number;
  chunks: number;
  /** For failures and skips: empty, encrypted, unreadable, encoding, too_large, unsupported, ... */
  code?: string;
  message?: string;
}

export interface IngestReport {
  results: IngestResult[];
  added: number;
  updated: number;
  unchanged: number;
  failed: number;
  skipped: number;
  chunks: number;
}

export interface IngestProgress {
  done: number;
  total: number;
  source: string;
  status: IngestStatus;
}

export interface IngestOptions {
  onProgress?: (p: IngestProgress) => void;
  signal?: AbortSignal;
}

export interface KnowledgeStats {
  documents: number;
  chunks: number;
  bytes: number;
  terms: number;
  embedder: string;
  dim: number;
  vectors: number;
  ann: boolean;
  vectorStore: string;
}

export function summarize(results: IngestResult[]): IngestReport {
  const count = (s: IngestStatus) => results.filter((r) => r.status === s).length;
  return {
    results,
    added: count("added"),
    updated: count("updated"),
    unchanged: count("unchanged"),
    failed: count("failed"),
    skipped: count("skipped"),
    chunks: results.reduce((n, r) => n + (r.status === "added" || r.status === "updated" ? r.chunks : 0), 0),
  };
}
