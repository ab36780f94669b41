"""The LLM engine: any OpenAI-compatible chat-completions endpoint, streamed into a turn."""
