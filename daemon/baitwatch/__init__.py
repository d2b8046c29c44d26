"""baitwatch: private, on-device phishing protection for the web browser."""

import os

# onnxruntime's official Linux and macOS builds write a persistent device id and queue usage
# events for upload to Microsoft unless this is set before onnxruntime is first imported.
# Every baitwatch entry point imports this package first, and a private product sends nothing.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

__version__ = "0.1.0"
