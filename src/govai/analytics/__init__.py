"""Text analytics over citizen messages: a trainable text classifier (智能分办), grouping of
messages into hot problems (热点发现), surge tests and sentiment (风险预警), and reply-quality
measures. An engine: it knows nothing of the database, scenarios or the web layer; callers pass
plain texts and records in and get plain results back. Import from the submodules."""
