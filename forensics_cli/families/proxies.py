"""HTTP proxies and gateways with JSON access logs: Envoy/Istio, Traefik, AWS API Gateway.

Sources: Envoy docs, "Access logging: default format" (start_time, method, path, response_code,
duration in ms, x_forwarded_for, downstream_remote_address ip:port, request_id); Istio docs, "Envoy
access logs" (the same keys); Traefik docs, "Access logs: JSON" (StartUTC, ClientAddr, RequestMethod,
RequestPath, DownstreamStatus, Duration in nanoseconds, request_X-Request-Id when headers are kept);
AWS API Gateway docs, "$context variables for access logging" (requestId, ip, requestTime in CLF,
requestTimeEpoch ms, httpMethod, status, responseLatency ms).
"""

from forensics_cli.families.spec import Example, LogFamily, Recogniser

ENVOY = LogFamily(
    name="envoy",
    title="Envoy / Istio access log (JSON)",
    recogniser=Recogniser(keys=("start_time", "response_code", "downstream_remote_address|upstream_host")),
    fields={
        "ts": ("start_time",),
        "request_id": ("request_id", "x_request_id"),
        "method": ("method",),
        "path": ("path",),
        "status": ("response_code",),
        "ip": ("downstream_remote_address", "downstream_peer_address"),
        "forwarded_for": ("x_forwarded_for",),
        "user_agent": ("user_agent",),
        "reason": ("response_code_details", "response_flags"),
        "target": ("authority", "upstream_cluster"),
        "bytes_sent": ("bytes_sent",),
    },
    durations=(("duration", "ms"),),
    source=__doc__,
    examples=(
        Example(
            '{"start_time":"2026-11-18T10:00:14.001Z","method":"POST","path":"/api/login","protocol":'
            '"HTTP/1.1","response_code":401,"response_flags":"-","bytes_received":57,"bytes_sent":0,'
            '"duration":3,"upstream_service_time":"2","x_forwarded_for":"-","user_agent":"python-requests/2.32",'
            '"request_id":"-","authority":"api.example.com","upstream_host":"10.0.0.7:8080",'
            '"downstream_remote_address":"203.0.113.66:51234"}',
            {
                "ts": "2026-11-18T10:00:14.001000+00:00",
                "ip": "203.0.113.66",
                "port": "51234",
                "status": "401",
                "path": "/api/login",
                "duration_ms": "3.0",
                "bytes_sent": "0",
                "request_id": "",
                "forwarded_for": "",
            },
        ),
    ),
)

TRAEFIK = LogFamily(
    name="traefik",
    title="Traefik access log (JSON)",
    recogniser=Recogniser(keys=("ClientAddr", "RequestMethod", "DownstreamStatus")),
    fields={
        "ts": ("StartUTC", "time"),
        "request_id": ("request_X-Request-Id", "request_X-Request-ID"),
        "method": ("RequestMethod",),
        "path": ("RequestPath",),
        "status": ("DownstreamStatus",),
        "ip": ("ClientHost", "ClientAddr"),
        "forwarded_for": ("request_X-Forwarded-For",),
        "user": ("ClientUsername",),
        "user_agent": ("request_User-Agent",),
        "target": ("RequestHost", "ServiceName"),
        "level": ("level",),
        "bytes_sent": ("DownstreamContentSize",),
    },
    durations=(("Duration", "ns"),),
    source=__doc__,
    examples=(
        Example(
            '{"ClientAddr":"203.0.113.66:40000","ClientHost":"203.0.113.66","ClientPort":"40000",'
            '"ClientUsername":"-","DownstreamStatus":401,"Duration":2500000,"RequestHost":"api.example.com",'
            '"RequestMethod":"POST","RequestPath":"/login","RequestProtocol":"HTTP/1.1","StartUTC":'
            '"2026-11-18T10:00:15.123456789Z","level":"info","msg":"","request_X-Request-Id":"tr-1"}',
            {
                "ts": "2026-11-18T10:00:15.123456+00:00",
                "ip": "203.0.113.66",
                "status": "401",
                "duration_ms": "2.5",
                "user": "",
                "request_id": "tr-1",
            },
        ),
    ),
)

API_GATEWAY = LogFamily(
    name="aws_api_gateway",
    title="AWS API Gateway access log (JSON)",
    recogniser=Recogniser(keys=("requestId", "requestTime")),
    fields={
        "ts": ("requestTimeEpoch", "requestTime"),
        "request_id": ("requestId", "extendedRequestId"),
        "method": ("httpMethod",),
        "path": ("path", "resourcePath", "routeKey"),
        "status": ("status",),
        "ip": ("ip", "sourceIp"),
        "user": ("user", "caller", "principalId"),
        "user_agent": ("userAgent",),
        "reason": ("errorMessage", "authorizerError"),
        "bytes_sent": ("responseLength",),
    },
    durations=(("responseLatency", "ms"), ("integrationLatency", "ms")),
    source=__doc__,
    examples=(
        Example(
            '{"requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","ip":"203.0.113.66","caller":"-","user":"-",'
            '"requestTime":"18/Nov/2026:10:00:16 +0000","httpMethod":"POST","resourcePath":"/login",'
            '"status":"401","protocol":"HTTP/1.1","responseLength":"45"}',
            {
                "ts": "2026-11-18T10:00:16.000000+00:00",
                "request_id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                "ip": "203.0.113.66",
                "status": "401",
                "path": "/login",
                "user": "",
                "bytes_sent": "45",
            },
        ),
    ),
)
