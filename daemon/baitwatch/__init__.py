"""baitwatch: private, on-device phishing protection for the web browser."""

__version__ = "0.1.0"
