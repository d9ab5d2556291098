"""The clean stage: RawPage → Article (decode.py, dates.py, extract.py, stage.py)."""
