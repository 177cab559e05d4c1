// Data files (CSV, Parquet, JSON Lines) and the DuckDB engine that reads them.
export * from './duckdb.js';
export * from './engine.js';
export * from './files.js';
