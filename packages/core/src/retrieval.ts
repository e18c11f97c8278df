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
  /**
   * Present when the search went through a reranker: true when the reranker's order was applied,
   * false when it failed or timed out and the first-stage order was kept. `score` stays the
   * first-stage score either way.
   */
  reranked?: boolean;
}

export type SearchMode = "bm25" | "vector" | "hybrid";

export interface SearchOptions {
  k?: number;
  mode?: SearchMode;
  /** Rerank the first-stage hits; default: whenever the retriever has a reranker configured. */
  rerank?: boolean;
  signal?: AbortSignal;
}

export interface Retriever {
  search(query: string, opts?: SearchOptions): Promise<SearchHit[]>;
}
