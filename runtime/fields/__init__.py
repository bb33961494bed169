"""Field types: one module per type, each owning everything about itself."""
