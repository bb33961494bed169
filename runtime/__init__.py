"""The generic interpreter of metadata documents, one package per engine."""
