"""Retrieval: chunks in, answers out (embedders, FAISS vectors, BM25, hybrid search)."""
