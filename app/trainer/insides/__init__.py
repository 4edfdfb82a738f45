"""The widgets that look inside a trained model (the trainer's "Inside the model" tab)."""
