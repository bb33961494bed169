"""The forms engine's pure core: compiled plans of published form versions, the behaviour of
their formulas, validation. No Flask: the generated pages are in runtime.web.forms."""
