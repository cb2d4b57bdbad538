from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
PROTOCOL_VERSION_1: ProtocolVersion
PROTOCOL_VERSION_UNSPECIFIED: ProtocolVersion
SANDBOX_LAYER_LANDLOCK: SandboxLayer
SANDBOX_LAYER_NETWORK_NAMESPACE: SandboxLayer
SANDBOX_LAYER_SECCOMP_BPF: SandboxLayer
SANDBOX_LAYER_UNSPECIFIED: SandboxLayer
SANDBOX_LAYER_USER_NAMESPACE: SandboxLayer

class BodyChunk(_message.Message):
    __slots__ = ["data", "request_id"]
    DATA_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    request_id: int
    def __init__(self, request_id: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class BodyCredit(_message.Message):
    __slots__ = ["bytes", "request_id"]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    bytes: int
    request_id: int
    def __init__(self, request_id: _Optional[int] = ..., bytes: _Optional[int] = ...) -> None: ...

class CancelRequest(_message.Message):
    __slots__ = ["request_id"]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    def __init__(self, request_id: _Optional[int] = ...) -> None: ...

class Envelope(_message.Message):
    __slots__ = ["body_chunk", "body_credit", "cancel_request", "hello", "request_complete", "response_head", "ring_chunk", "ring_release", "start_request", "status_query", "status_reply", "upload_chunk", "upload_credit", "upload_progress", "welcome"]
    BODY_CHUNK_FIELD_NUMBER: _ClassVar[int]
    BODY_CREDIT_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REQUEST_FIELD_NUMBER: _ClassVar[int]
    HELLO_FIELD_NUMBER: _ClassVar[int]
    REQUEST_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_HEAD_FIELD_NUMBER: _ClassVar[int]
    RING_CHUNK_FIELD_NUMBER: _ClassVar[int]
    RING_RELEASE_FIELD_NUMBER: _ClassVar[int]
    START_REQUEST_FIELD_NUMBER: _ClassVar[int]
    STATUS_QUERY_FIELD_NUMBER: _ClassVar[int]
    STATUS_REPLY_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_CHUNK_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_CREDIT_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    WELCOME_FIELD_NUMBER: _ClassVar[int]
    body_chunk: BodyChunk
    body_credit: BodyCredit
    cancel_request: CancelRequest
    hello: Hello
    request_complete: RequestComplete
    response_head: ResponseHead
    ring_chunk: RingChunk
    ring_release: RingRelease
    start_request: StartRequest
    status_query: StatusQuery
    status_reply: StatusReply
    upload_chunk: UploadChunk
    upload_credit: UploadCredit
    upload_progress: UploadProgress
    welcome: Welcome
    def __init__(self, hello: _Optional[_Union[Hello, _Mapping]] = ..., start_request: _Optional[_Union[StartRequest, _Mapping]] = ..., upload_chunk: _Optional[_Union[UploadChunk, _Mapping]] = ..., cancel_request: _Optional[_Union[CancelRequest, _Mapping]] = ..., body_credit: _Optional[_Union[BodyCredit, _Mapping]] = ..., status_query: _Optional[_Union[StatusQuery, _Mapping]] = ..., ring_release: _Optional[_Union[RingRelease, _Mapping]] = ..., welcome: _Optional[_Union[Welcome, _Mapping]] = ..., response_head: _Optional[_Union[ResponseHead, _Mapping]] = ..., body_chunk: _Optional[_Union[BodyChunk, _Mapping]] = ..., upload_progress: _Optional[_Union[UploadProgress, _Mapping]] = ..., upload_credit: _Optional[_Union[UploadCredit, _Mapping]] = ..., request_complete: _Optional[_Union[RequestComplete, _Mapping]] = ..., status_reply: _Optional[_Union[StatusReply, _Mapping]] = ..., ring_chunk: _Optional[_Union[RingChunk, _Mapping]] = ...) -> None: ...

class Header(_message.Message):
    __slots__ = ["name", "value"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class Hello(_message.Message):
    __slots__ = ["body_ring", "browser_id", "pid", "protocol_version", "sandbox", "upload_ring", "whole_responses"]
    BODY_RING_FIELD_NUMBER: _ClassVar[int]
    BROWSER_ID_FIELD_NUMBER: _ClassVar[int]
    PID_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    SANDBOX_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_RING_FIELD_NUMBER: _ClassVar[int]
    WHOLE_RESPONSES_FIELD_NUMBER: _ClassVar[int]
    body_ring: bool
    browser_id: str
    pid: int
    protocol_version: int
    sandbox: _containers.RepeatedScalarFieldContainer[SandboxLayer]
    upload_ring: bool
    whole_responses: bool
    def __init__(self, protocol_version: _Optional[int] = ..., pid: _Optional[int] = ..., browser_id: _Optional[str] = ..., sandbox: _Optional[_Iterable[_Union[SandboxLayer, str]]] = ..., body_ring: bool = ..., upload_ring: bool = ..., whole_responses: bool = ...) -> None: ...

class PostDataElement(_message.Message):
    __slots__ = ["file_path", "inline", "length", "type"]
    class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = []
    FILE_PATH_FIELD_NUMBER: _ClassVar[int]
    INLINE_FIELD_NUMBER: _ClassVar[int]
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    TYPE_BYTES: PostDataElement.Type
    TYPE_EMPTY: PostDataElement.Type
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FILE: PostDataElement.Type
    file_path: str
    inline: bytes
    length: int
    type: PostDataElement.Type
    def __init__(self, type: _Optional[_Union[PostDataElement.Type, str]] = ..., length: _Optional[int] = ..., inline: _Optional[bytes] = ..., file_path: _Optional[str] = ...) -> None: ...

class RendererStatus(_message.Message):
    __slots__ = ["browser_id", "pid", "renderer_id", "sandbox"]
    BROWSER_ID_FIELD_NUMBER: _ClassVar[int]
    PID_FIELD_NUMBER: _ClassVar[int]
    RENDERER_ID_FIELD_NUMBER: _ClassVar[int]
    SANDBOX_FIELD_NUMBER: _ClassVar[int]
    browser_id: str
    pid: int
    renderer_id: int
    sandbox: _containers.RepeatedScalarFieldContainer[SandboxLayer]
    def __init__(self, renderer_id: _Optional[int] = ..., browser_id: _Optional[str] = ..., pid: _Optional[int] = ..., sandbox: _Optional[_Iterable[_Union[SandboxLayer, str]]] = ...) -> None: ...

class Request(_message.Message):
    __slots__ = ["first_party_for_cookies", "flags", "headers", "method", "post_data", "referrer_policy", "referrer_url", "request_context", "resource_type", "transition_type", "url"]
    FIRST_PARTY_FOR_COOKIES_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    POST_DATA_FIELD_NUMBER: _ClassVar[int]
    REFERRER_POLICY_FIELD_NUMBER: _ClassVar[int]
    REFERRER_URL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    TRANSITION_TYPE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    first_party_for_cookies: str
    flags: int
    headers: _containers.RepeatedCompositeFieldContainer[Header]
    method: str
    post_data: _containers.RepeatedCompositeFieldContainer[PostDataElement]
    referrer_policy: int
    referrer_url: str
    request_context: str
    resource_type: int
    transition_type: int
    url: str
    def __init__(self, url: _Optional[str] = ..., method: _Optional[str] = ..., headers: _Optional[_Iterable[_Union[Header, _Mapping]]] = ..., post_data: _Optional[_Iterable[_Union[PostDataElement, _Mapping]]] = ..., flags: _Optional[int] = ..., referrer_url: _Optional[str] = ..., referrer_policy: _Optional[int] = ..., first_party_for_cookies: _Optional[str] = ..., resource_type: _Optional[int] = ..., transition_type: _Optional[int] = ..., request_context: _Optional[str] = ...) -> None: ...

class RequestComplete(_message.Message):
    __slots__ = ["body", "error_code", "head", "request_id", "response", "routed_to_download", "status", "was_cached"]
    class Status(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = []
    BODY_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    ROUTED_TO_DOWNLOAD_FIELD_NUMBER: _ClassVar[int]
    STATUS_CANCELED: RequestComplete.Status
    STATUS_FAILED: RequestComplete.Status
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_IO_PENDING: RequestComplete.Status
    STATUS_SUCCESS: RequestComplete.Status
    STATUS_UNKNOWN: RequestComplete.Status
    WAS_CACHED_FIELD_NUMBER: _ClassVar[int]
    body: bytes
    error_code: int
    head: ResponseHead
    request_id: int
    response: ResponseHead
    routed_to_download: bool
    status: RequestComplete.Status
    was_cached: bool
    def __init__(self, request_id: _Optional[int] = ..., status: _Optional[_Union[RequestComplete.Status, str]] = ..., error_code: _Optional[int] = ..., response: _Optional[_Union[ResponseHead, _Mapping]] = ..., was_cached: bool = ..., routed_to_download: bool = ..., head: _Optional[_Union[ResponseHead, _Mapping]] = ..., body: _Optional[bytes] = ...) -> None: ...

class ResponseHead(_message.Message):
    __slots__ = ["charset", "headers", "http_version", "mime_type", "request_id", "status", "status_text", "tls_version", "url"]
    CHARSET_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    HTTP_VERSION_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_TEXT_FIELD_NUMBER: _ClassVar[int]
    TLS_VERSION_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    charset: str
    headers: _containers.RepeatedCompositeFieldContainer[Header]
    http_version: str
    mime_type: str
    request_id: int
    status: int
    status_text: str
    tls_version: str
    url: str
    def __init__(self, request_id: _Optional[int] = ..., status: _Optional[int] = ..., status_text: _Optional[str] = ..., mime_type: _Optional[str] = ..., charset: _Optional[str] = ..., url: _Optional[str] = ..., headers: _Optional[_Iterable[_Union[Header, _Mapping]]] = ..., http_version: _Optional[str] = ..., tls_version: _Optional[str] = ...) -> None: ...

class RingChunk(_message.Message):
    __slots__ = ["length", "position", "request_id"]
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    length: int
    position: int
    request_id: int
    def __init__(self, request_id: _Optional[int] = ..., position: _Optional[int] = ..., length: _Optional[int] = ...) -> None: ...

class RingRelease(_message.Message):
    __slots__ = ["position"]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    position: int
    def __init__(self, position: _Optional[int] = ...) -> None: ...

class StartRequest(_message.Message):
    __slots__ = ["request", "request_id"]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request: Request
    request_id: int
    def __init__(self, request_id: _Optional[int] = ..., request: _Optional[_Union[Request, _Mapping]] = ...) -> None: ...

class StatusQuery(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class StatusReply(_message.Message):
    __slots__ = ["bad_messages", "completed", "downloads", "in_flight", "renderer_list", "renderers"]
    BAD_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    DOWNLOADS_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    RENDERERS_FIELD_NUMBER: _ClassVar[int]
    RENDERER_LIST_FIELD_NUMBER: _ClassVar[int]
    bad_messages: int
    completed: int
    downloads: int
    in_flight: int
    renderer_list: _containers.RepeatedCompositeFieldContainer[RendererStatus]
    renderers: int
    def __init__(self, renderers: _Optional[int] = ..., in_flight: _Optional[int] = ..., completed: _Optional[int] = ..., bad_messages: _Optional[int] = ..., downloads: _Optional[int] = ..., renderer_list: _Optional[_Iterable[_Union[RendererStatus, _Mapping]]] = ...) -> None: ...

class UploadChunk(_message.Message):
    __slots__ = ["data", "request_id", "ring_length", "ring_position"]
    DATA_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RING_LENGTH_FIELD_NUMBER: _ClassVar[int]
    RING_POSITION_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    request_id: int
    ring_length: int
    ring_position: int
    def __init__(self, request_id: _Optional[int] = ..., data: _Optional[bytes] = ..., ring_position: _Optional[int] = ..., ring_length: _Optional[int] = ...) -> None: ...

class UploadCredit(_message.Message):
    __slots__ = ["bytes", "request_id"]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    bytes: int
    request_id: int
    def __init__(self, request_id: _Optional[int] = ..., bytes: _Optional[int] = ...) -> None: ...

class UploadProgress(_message.Message):
    __slots__ = ["current", "request_id", "total"]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    current: int
    request_id: int
    total: int
    def __init__(self, request_id: _Optional[int] = ..., current: _Optional[int] = ..., total: _Optional[int] = ...) -> None: ...

class Welcome(_message.Message):
    __slots__ = ["body_ring_bytes", "body_window_bytes", "browser_id", "max_frame_bytes", "max_requests_in_flight", "protocol_version", "renderer_id", "upload_ring_bytes", "upload_window_bytes"]
    BODY_RING_BYTES_FIELD_NUMBER: _ClassVar[int]
    BODY_WINDOW_BYTES_FIELD_NUMBER: _ClassVar[int]
    BROWSER_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_FRAME_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_REQUESTS_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    RENDERER_ID_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_RING_BYTES_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_WINDOW_BYTES_FIELD_NUMBER: _ClassVar[int]
    body_ring_bytes: int
    body_window_bytes: int
    browser_id: str
    max_frame_bytes: int
    max_requests_in_flight: int
    protocol_version: int
    renderer_id: int
    upload_ring_bytes: int
    upload_window_bytes: int
    def __init__(self, protocol_version: _Optional[int] = ..., renderer_id: _Optional[int] = ..., browser_id: _Optional[str] = ..., max_frame_bytes: _Optional[int] = ..., body_window_bytes: _Optional[int] = ..., upload_window_bytes: _Optional[int] = ..., max_requests_in_flight: _Optional[int] = ..., body_ring_bytes: _Optional[int] = ..., upload_ring_bytes: _Optional[int] = ...) -> None: ...

class ProtocolVersion(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class SandboxLayer(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
