"""Old name of ``request_words``, kept only while ``costs`` and ``catalogue`` (issue 18's
files) still import it: point them at ``request_words`` and delete this module at merge."""

from cruddur_lab.modeling.request_words import describe_request, examples, template

__all__ = ["describe_request", "examples", "template"]
