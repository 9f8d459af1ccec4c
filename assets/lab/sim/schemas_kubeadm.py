"""kubeadm's configuration kinds, v1beta3 and v1beta4, from Kubernetes' Go types
(schema_types.py lists the notation and the sources)."""

from schema_types import _TAINT, _TYPE_META, Schema, _o

# ---- k8s.io/api/core/v1 -------------------------------------------------------------------
_ENV_VAR: dict[str, Schema] = {  # v1.EnvVar (inlined by kubeadm v1beta4's EnvVar)
    "name": "string",
    "value": "string",
    "valueFrom": _o(  # v1.EnvVarSource
        "v1.EnvVarSource",
        fieldRef=_o("v1.ObjectFieldSelector", apiVersion="string", fieldPath="string"),
        resourceFieldRef=_o(
            "v1.ResourceFieldSelector",
            containerName="string",
            resource="string",
            divisor="quantity",
        ),
        configMapKeyRef=_o(
            "v1.ConfigMapKeySelector", name="string", key="string", optional="bool"
        ),  # LocalObjectReference inlined: name
        secretKeyRef=_o("v1.SecretKeySelector", name="string", key="string", optional="bool"),
        fileKeyRef=_o(
            "v1.FileKeySelector", volumeName="string", path="string", key="string", optional="bool"
        ),  # since 1.34 (KEP-3721, EnvFiles)
    ),
}

# ---- cmd/kubeadm/app/apis/bootstraptoken/v1 ------------------------------------------------
_BOOTSTRAP_TOKEN = _o(  # v1.BootstrapToken; token is a BootstrapTokenString, written as a string
    "v1.BootstrapToken",
    token="string",
    description="string",
    ttl="duration",
    expires="time",
    usages=["string"],
    groups=["string"],
)

# ---- kubeadm types shared by v1beta3 and v1beta4 (same json names; package differs) --------
_IMAGE_META = {"imageRepository": "string", "imageTag": "string"}  # ImageMeta (inline)
_API_ENDPOINT = {"advertiseAddress": "string", "bindPort": "int"}  # APIEndpoint
_NETWORKING = {
    "serviceSubnet": "string",
    "podSubnet": "string",
    "dnsDomain": "string",
}  # Networking
_EXTERNAL_ETCD: dict[str, Schema] = {  # ExternalEtcd
    "endpoints": ["string"],
    "caFile": "string",
    "certFile": "string",
    "keyFile": "string",
}
_HOST_PATH_MOUNT = {  # HostPathMount
    "name": "string",
    "hostPath": "string",
    "mountPath": "string",
    "readOnly": "bool",
    "pathType": "string",
}
_PATCHES = {"directory": "string"}  # Patches
_JOIN_CONTROL_PLANE = {"certificateKey": "string"}  # JoinControlPlane (+ localAPIEndpoint)
_BOOTSTRAP_TOKEN_DISCOVERY: dict[str, Schema] = {  # BootstrapTokenDiscovery
    "token": "string",
    "apiServerEndpoint": "string",
    "caCertHashes": ["string"],
    "unsafeSkipCAVerification": "bool",
}
_FILE_DISCOVERY = {"kubeConfigPath": "string"}  # FileDiscovery
_NODE_REGISTRATION: dict[str, Schema] = {  # NodeRegistrationOptions, less kubeletExtraArgs
    "name": "string",
    "criSocket": "string",
    "taints": [_TAINT],
    "ignorePreflightErrors": ["string"],
    "imagePullPolicy": "string",
}

# ---- kubeadm.k8s.io/v1beta3 (cmd/kubeadm/app/apis/kubeadm/v1beta3/types.go) ----------------
_B3 = "v1beta3."
_API_ENDPOINT_V1BETA3 = _o(_B3 + "APIEndpoint", _API_ENDPOINT)  # APIEndpoint
_PATCHES_V1BETA3 = _o(_B3 + "Patches", _PATCHES)  # Patches
_NODE_REGISTRATION_V1BETA3 = _o(  # NodeRegistrationOptions
    _B3 + "NodeRegistrationOptions",
    _NODE_REGISTRATION,
    kubeletExtraArgs="map[string]string",
)
_CONTROL_PLANE_COMPONENT_V1BETA3 = _o(  # ControlPlaneComponent
    _B3 + "ControlPlaneComponent",
    extraArgs="map[string]string",
    extraVolumes=[_o(_B3 + "HostPathMount", _HOST_PATH_MOUNT)],
)
_API_SERVER_V1BETA3 = _o(  # APIServer: ControlPlaneComponent inline
    _B3 + "APIServer",
    _CONTROL_PLANE_COMPONENT_V1BETA3,
    certSANs=["string"],
    timeoutForControlPlane="duration",
)
_ETCD_V1BETA3 = _o(  # Etcd
    _B3 + "Etcd",
    local=_o(  # LocalEtcd: ImageMeta inline
        _B3 + "LocalEtcd",
        _IMAGE_META,
        dataDir="string",
        extraArgs="map[string]string",
        serverCertSANs=["string"],
        peerCertSANs=["string"],
    ),
    external=_o(_B3 + "ExternalEtcd", _EXTERNAL_ETCD),
)
_DISCOVERY_V1BETA3 = _o(  # Discovery
    _B3 + "Discovery",
    bootstrapToken=_o(_B3 + "BootstrapTokenDiscovery", _BOOTSTRAP_TOKEN_DISCOVERY),
    file=_o(_B3 + "FileDiscovery", _FILE_DISCOVERY),
    tlsBootstrapToken="string",
    timeout="duration",
)

INIT_CONFIGURATION_V1BETA3 = _o(  # InitConfiguration
    _B3 + "InitConfiguration",
    _TYPE_META,
    bootstrapTokens=[_BOOTSTRAP_TOKEN],
    nodeRegistration=_NODE_REGISTRATION_V1BETA3,
    localAPIEndpoint=_API_ENDPOINT_V1BETA3,
    certificateKey="string",
    skipPhases=["string"],
    patches=_PATCHES_V1BETA3,
)
CLUSTER_CONFIGURATION_V1BETA3 = _o(  # ClusterConfiguration
    _B3 + "ClusterConfiguration",
    _TYPE_META,
    etcd=_ETCD_V1BETA3,
    networking=_o(_B3 + "Networking", _NETWORKING),
    kubernetesVersion="string",
    controlPlaneEndpoint="string",
    apiServer=_API_SERVER_V1BETA3,
    controllerManager=_CONTROL_PLANE_COMPONENT_V1BETA3,
    scheduler=_CONTROL_PLANE_COMPONENT_V1BETA3,
    dns=_o(_B3 + "DNS", _IMAGE_META),  # DNS: ImageMeta inline
    certificatesDir="string",
    imageRepository="string",
    featureGates="map[string]bool",
    clusterName="string",
)
JOIN_CONFIGURATION_V1BETA3 = _o(  # JoinConfiguration
    _B3 + "JoinConfiguration",
    _TYPE_META,
    nodeRegistration=_NODE_REGISTRATION_V1BETA3,
    caCertPath="string",
    discovery=_DISCOVERY_V1BETA3,
    controlPlane=_o(
        _B3 + "JoinControlPlane", _JOIN_CONTROL_PLANE, localAPIEndpoint=_API_ENDPOINT_V1BETA3
    ),
    skipPhases=["string"],
    patches=_PATCHES_V1BETA3,
)

# ---- kubeadm.k8s.io/v1beta4 (cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go) ----------------
_B4 = "v1beta4."
_ARG_V1BETA4 = _o(_B4 + "Arg", name="string", value="string")  # Arg
_ENV_VAR_V1BETA4 = _o(_B4 + "EnvVar", _ENV_VAR)  # EnvVar: corev1.EnvVar inline
_API_ENDPOINT_V1BETA4 = _o(_B4 + "APIEndpoint", _API_ENDPOINT)  # APIEndpoint
_PATCHES_V1BETA4 = _o(_B4 + "Patches", _PATCHES)  # Patches
_TIMEOUTS_V1BETA4 = _o(  # Timeouts
    _B4 + "Timeouts",
    controlPlaneComponentHealthCheck="duration",
    kubeletHealthCheck="duration",
    kubernetesAPICall="duration",
    etcdAPICall="duration",
    tlsBootstrap="duration",
    discovery="duration",
    upgradeManifests="duration",
)
_NODE_REGISTRATION_V1BETA4 = _o(  # NodeRegistrationOptions
    _B4 + "NodeRegistrationOptions",
    _NODE_REGISTRATION,
    kubeletExtraArgs=[_ARG_V1BETA4],
    imagePullSerial="bool",
)
_CONTROL_PLANE_COMPONENT_V1BETA4 = _o(  # ControlPlaneComponent
    _B4 + "ControlPlaneComponent",
    extraArgs=[_ARG_V1BETA4],
    extraVolumes=[_o(_B4 + "HostPathMount", _HOST_PATH_MOUNT)],
    extraEnvs=[_ENV_VAR_V1BETA4],
)
_API_SERVER_V1BETA4 = _o(  # APIServer: ControlPlaneComponent inline
    _B4 + "APIServer",
    _CONTROL_PLANE_COMPONENT_V1BETA4,
    certSANs=["string"],
)
_ETCD_V1BETA4 = _o(  # Etcd
    _B4 + "Etcd",
    local=_o(  # LocalEtcd: ImageMeta inline
        _B4 + "LocalEtcd",
        _IMAGE_META,
        dataDir="string",
        extraArgs=[_ARG_V1BETA4],
        extraEnvs=[_ENV_VAR_V1BETA4],
        serverCertSANs=["string"],
        peerCertSANs=["string"],
    ),
    external=_o(
        _B4 + "ExternalEtcd", _EXTERNAL_ETCD, httpEndpoints=["string"]
    ),  # httpEndpoints: since 1.35 (kubernetes#134890)
)
_DISCOVERY_V1BETA4 = _o(  # Discovery (no timeout: moved to Timeouts.discovery)
    _B4 + "Discovery",
    bootstrapToken=_o(_B4 + "BootstrapTokenDiscovery", _BOOTSTRAP_TOKEN_DISCOVERY),
    file=_o(_B4 + "FileDiscovery", _FILE_DISCOVERY),
    tlsBootstrapToken="string",
)
_UPGRADE_APPLY_V1BETA4 = _o(  # UpgradeApplyConfiguration
    _B4 + "UpgradeApplyConfiguration",
    kubernetesVersion="string",
    allowExperimentalUpgrades="bool",
    allowRCUpgrades="bool",
    certificateRenewal="bool",
    dryRun="bool",
    etcdUpgrade="bool",
    forceUpgrade="bool",
    ignorePreflightErrors=["string"],
    patches=_PATCHES_V1BETA4,
    printConfig="bool",
    skipPhases=[
        "string"
    ],  # 1.31 had no json tag on SkipPhases (so "SkipPhases"); later "skipPhases"
    imagePullPolicy="string",
    imagePullSerial="bool",  # since 1.32
)
_UPGRADE_DIFF_V1BETA4 = _o(  # UpgradeDiffConfiguration (DiffContextLines is json "contextLines")
    _B4 + "UpgradeDiffConfiguration",
    kubernetesVersion="string",
    contextLines="int:int",
)
_UPGRADE_NODE_V1BETA4 = _o(  # UpgradeNodeConfiguration
    _B4 + "UpgradeNodeConfiguration",
    certificateRenewal="bool",
    dryRun="bool",
    etcdUpgrade="bool",
    ignorePreflightErrors=["string"],
    skipPhases=["string"],
    patches=_PATCHES_V1BETA4,
    imagePullPolicy="string",
    imagePullSerial="bool",  # since 1.32
)
_UPGRADE_PLAN_V1BETA4 = _o(  # UpgradePlanConfiguration
    _B4 + "UpgradePlanConfiguration",
    kubernetesVersion="string",
    allowExperimentalUpgrades="bool",
    allowRCUpgrades="bool",
    dryRun="bool",
    ignorePreflightErrors=["string"],
    printConfig="bool",
    etcdUpgrade="bool",  # etcdUpgrade: newer than 1.32 (absent from the 1.31/1.32-era copies)
)

INIT_CONFIGURATION_V1BETA4 = _o(  # InitConfiguration
    _B4 + "InitConfiguration",
    _TYPE_META,
    bootstrapTokens=[_BOOTSTRAP_TOKEN],
    dryRun="bool",
    nodeRegistration=_NODE_REGISTRATION_V1BETA4,
    localAPIEndpoint=_API_ENDPOINT_V1BETA4,
    certificateKey="string",
    skipPhases=["string"],
    patches=_PATCHES_V1BETA4,
    timeouts=_TIMEOUTS_V1BETA4,
)
CLUSTER_CONFIGURATION_V1BETA4 = _o(  # ClusterConfiguration
    _B4 + "ClusterConfiguration",
    _TYPE_META,
    etcd=_ETCD_V1BETA4,
    networking=_o(_B4 + "Networking", _NETWORKING),
    kubernetesVersion="string",
    controlPlaneEndpoint="string",
    apiServer=_API_SERVER_V1BETA4,
    controllerManager=_CONTROL_PLANE_COMPONENT_V1BETA4,
    scheduler=_CONTROL_PLANE_COMPONENT_V1BETA4,
    dns=_o(_B4 + "DNS", _IMAGE_META, disabled="bool"),  # DNS: ImageMeta inline
    proxy=_o(_B4 + "Proxy", disabled="bool"),  # Proxy
    certificatesDir="string",
    imageRepository="string",
    featureGates="map[string]bool",
    clusterName="string",
    encryptionAlgorithm="string",
    certificateValidityPeriod="duration",
    caCertificateValidityPeriod="duration",
)
JOIN_CONFIGURATION_V1BETA4 = _o(  # JoinConfiguration
    _B4 + "JoinConfiguration",
    _TYPE_META,
    dryRun="bool",
    nodeRegistration=_NODE_REGISTRATION_V1BETA4,
    caCertPath="string",
    discovery=_DISCOVERY_V1BETA4,
    controlPlane=_o(
        _B4 + "JoinControlPlane", _JOIN_CONTROL_PLANE, localAPIEndpoint=_API_ENDPOINT_V1BETA4
    ),
    skipPhases=["string"],
    patches=_PATCHES_V1BETA4,
    timeouts=_TIMEOUTS_V1BETA4,
)
RESET_CONFIGURATION_V1BETA4 = _o(  # ResetConfiguration
    _B4 + "ResetConfiguration",
    _TYPE_META,
    cleanupTmpDir="bool",
    certificatesDir="string",
    criSocket="string",
    dryRun="bool",
    force="bool",
    ignorePreflightErrors=["string"],
    skipPhases=["string"],
    unmountFlags=["string"],
    timeouts=_TIMEOUTS_V1BETA4,
)
UPGRADE_CONFIGURATION_V1BETA4 = _o(  # UpgradeConfiguration
    _B4 + "UpgradeConfiguration",
    _TYPE_META,
    apply=_UPGRADE_APPLY_V1BETA4,
    diff=_UPGRADE_DIFF_V1BETA4,
    node=_UPGRADE_NODE_V1BETA4,
    plan=_UPGRADE_PLAN_V1BETA4,
    timeouts=_TIMEOUTS_V1BETA4,
)
