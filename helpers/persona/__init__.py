"""Study 02: WhatsApp persona chatbot (export parser, turns and examples, demo chat)."""
