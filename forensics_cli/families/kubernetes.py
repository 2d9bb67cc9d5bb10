"""Kubernetes API server audit events, raw (audit.k8s.io Event) and in the AKS diagnostic envelope
(`properties.log` holds the event as a JSON string). GKE audit arrives as Cloud Audit Logs (google.py).

Source: Kubernetes docs, "Auditing" and the audit.k8s.io/v1 Event reference; Microsoft Learn, "AKS
resource logs: kube-audit". Fixture: falcosecurity/falco test trace (tests/fixtures/realworld).
"""

from forensics_cli.families.spec import Example, LogFamily, Recogniser


def _fields(p: str) -> dict[str, tuple[str, ...]]:
    return {
        "ts": (f"{p}stageTimestamp", f"{p}requestReceivedTimestamp"),
        "request_id": (f"{p}auditID",),
        "event": (f"{p}verb",),
        "path": (f"{p}requestURI",),
        "status": (f"{p}responseStatus.code",),
        "ip": (f"{p}sourceIPs",),
        "user": (f"{p}user.username", f"{p}impersonatedUser.username"),
        "user_agent": (f"{p}userAgent",),
        "reason": (f"{p}responseStatus.reason", f"{p}responseStatus.message"),
        "action": (f"{p}verb",),
        "target": (f"{p}objectRef.name", f"{p}objectRef.resource"),
        "level": (f"{p}level",),
    }


K8S_AUDIT = LogFamily(
    name="k8s_audit",
    title="Kubernetes audit log",
    recogniser=Recogniser(keys=("auditID", "stage", "verb"), values=(("kind", r"^Event$"),)),
    fields=_fields(""),
    source=__doc__,
    examples=(
        Example(
            '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1b2",'
            '"stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/secrets","verb":"list",'
            '"user":{"username":"system:anonymous"},"sourceIPs":["203.0.113.66"],"userAgent":"kubectl/1.31",'
            '"objectRef":{"resource":"secrets","namespace":"default"},"responseStatus":{"code":403},'
            '"requestReceivedTimestamp":"2026-11-18T10:07:00.100000Z","stageTimestamp":'
            '"2026-11-18T10:07:00.104000Z","annotations":{"authorization.k8s.io/decision":"forbid"}}',
            {
                "ts": "2026-11-18T10:07:00.104000+00:00",
                "request_id": "a1b2",
                "ip": "203.0.113.66",
                "user": "system:anonymous",
                "status": "403",
                "path": "/api/v1/namespaces/default/secrets",
            },
        ),
    ),
)

AKS_AUDIT = LogFamily(
    name="aks_audit",
    title="Kubernetes audit in the AKS diagnostic envelope",
    recogniser=Recogniser(keys=("properties.log", "time"), values=(("category", r"^kube-audit"),)),
    fields={**_fields("properties.log."), "ts": _fields("properties.log.")["ts"] + ("time",)},
    source=__doc__,
    examples=(
        Example(
            '{"category":"kube-audit","operationName":"Microsoft.ContainerService/managedClusters/'
            'diagnosticLogs/Read","resourceId":"/SUBSCRIPTIONS/1/MANAGEDCLUSTERS/AKS1","time":'
            '"2026-11-18T10:07:01.0000000Z","properties":{"log":"{\\"kind\\":\\"Event\\",\\"auditID\\":'
            '\\"c3d4\\",\\"stage\\":\\"ResponseComplete\\",\\"verb\\":\\"create\\",\\"requestURI\\":'
            '\\"/api/v1/namespaces\\",\\"user\\":{\\"username\\":\\"alice\\"},\\"sourceIPs\\":[\\"198.51.100.9'
            '\\"],\\"responseStatus\\":{\\"code\\":201},\\"stageTimestamp\\":\\"2026-11-18T10:07:00.900000Z'
            '\\"}","pod":"kube-apiserver-1"}}',
            {
                "ts": "2026-11-18T10:07:00.900000+00:00",
                "request_id": "c3d4",
                "ip": "198.51.100.9",
                "user": "alice",
                "status": "201",
            },
        ),
    ),
)
