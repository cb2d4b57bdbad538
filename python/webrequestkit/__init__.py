"""WebRequestKit's renderer side in Python: CEF's URL requests made through a running
``browser-host``, over the same protocol (``proto/``) as the Swift and C renderers.

- :mod:`webrequestkit.cefpython` is cefpython's API member for member, for cefpython programs;
- :mod:`webrequestkit.aio` is the same on asyncio (:func:`fetch`, :class:`Renderer`);
- ``python -m webrequestkit.render_client`` is the command line of ``docs/cli.md``'s renderers.
"""

from ._channel import ChannelError
from ._request import CreateError, Flags, Status
from .aio import Complete, Data, DownloadProgress, Renderer, Result, UploadProgress, fetch
from .errors import error_name

__all__ = [
    "ChannelError", "CreateError", "Flags", "Status", "Renderer", "Result", "fetch", "error_name",
    "Complete", "Data", "DownloadProgress", "UploadProgress",
]
__version__ = "0.1.0"
