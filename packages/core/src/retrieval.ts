/**
 * The retrieval interface the assistant uses; the knowledge package implements it.
 * Kept in core so that the assistant depends on the contract, not on the index.
 */
export interface Citation {
  docId: string;
  /** Human title of the source document (file name, page title, FAQ question). */
  title: string;
  /** Where it came from: a file path, URL or `faq:<id>`. */
  source: string;
  section?: string;
  /** Character offsets of the chunk inside the cleaned document text. */
  start: number;
  end: number;
}

export interface SearchHit {
  chunkId: string;
  text: string;
  score: number;
  citation: Citation;
}

export type SearchMode = "bm25" | "vector" | "hybrid";

export interface SearchOptions {
  k?: number;
  mode?: SearchMode;
  signal?: AbortSignal;
}

export interface Retriever {
  search(query: string, opts?: SearchOptions): Promise<SearchHit[]>;
}
