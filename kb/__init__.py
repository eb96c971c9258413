"""Knowledge base: files in, clean chunks out (loading, cleaning, chunking, versioned storage)."""
