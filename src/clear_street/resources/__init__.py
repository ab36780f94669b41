"""Resources reached from a client by attribute: ``client.v1.omni_ai.threads`` and so on."""
