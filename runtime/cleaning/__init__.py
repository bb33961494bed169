"""Cleaning: the pure normalisers the field types use (phones, e-mail addresses, texts, written
places) and the form-level cleaning rules. Nothing here does I/O beyond reading its bundled
data files once, or touches Flask; the field types (``runtime.fields``) turn what these
functions find into stored values, flags and messages.
"""
