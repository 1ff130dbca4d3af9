{{/* Name of the chart, overridable. */}}
{{- define "nbo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped name; objects append -server, -gateway, ... */}}
{{- define "nbo.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "nbo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "nbo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: nbo
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector of every pod of the release (the default-deny policy's). */}}
{{- define "nbo.releaseSelector" -}}
app.kubernetes.io/name: {{ include "nbo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Selector of one component: (dict "ctx" $ "component" "server"). */}}
{{- define "nbo.selector" -}}
{{ include "nbo.releaseSelector" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "nbo.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "nbo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "nbo.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "nbo.authSecretName" -}}
{{- default (printf "%s-auth" (include "nbo.fullname" .)) .Values.auth.existingSecret }}
{{- end }}

{{- define "nbo.internalTlsSecretName" -}}
{{- default (printf "%s-internal-tls" (include "nbo.fullname" .)) .Values.tls.internal.existingSecret }}
{{- end }}

{{/* The Service the gateway and the catalog job call: ready servers only. */}}
{{- define "nbo.serverService" -}}
{{ include "nbo.fullname" . }}-server
{{- end }}

{{/* Every server pod, ready or not: publish, bootstrap, metrics. */}}
{{- define "nbo.peersService" -}}
{{ include "nbo.fullname" . }}-server-peers
{{- end }}

{{- define "nbo.serverTarget" -}}
{{ printf "dns:///%s.%s.svc:%v" (include "nbo.serverService" .) .Release.Namespace .Values.server.ports.grpc }}
{{- end }}

{{- define "nbo.peersTarget" -}}
{{ printf "dns:///%s.%s.svc:%v" (include "nbo.peersService" .) .Release.Namespace .Values.server.ports.grpc }}
{{- end }}

{{/*
Flags from a map, as --name=value, sorted by name. YAML numbers arrive as
float64: whole ones are printed as integers (1048576, not 1.048576e+06).
*/}}
{{- define "nbo.flags" -}}
{{- range $name := keys . | sortAlpha }}
{{- $v := get $ $name }}
{{- if kindIs "float64" $v }}
{{- if eq (float64 (int64 $v)) $v }}
- --{{ $name }}={{ int64 $v }}
{{- else }}
- --{{ $name }}={{ $v }}
{{- end }}
{{- else }}
- {{ printf "--%s=%v" $name $v | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Token arguments of a gRPC server (nbo-server, nbo-trainer serve). */}}
{{- define "nbo.authArgs" -}}
{{- if not .Values.auth.legacyAdminToken }}
- --tokens_file=/etc/nbo/tokens/tokens
{{- end }}
{{- end }}

{{/* NBO_ADMIN_TOKEN from the auth Secret (the token a client presents). */}}
{{- define "nbo.adminTokenEnv" -}}
- name: NBO_ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "nbo.authSecretName" . }}
      key: admin-token
{{- end }}

{{/* TLS arguments of a gRPC listener (nbo-server, nbo-trainer serve). */}}
{{- define "nbo.serverTlsArgs" -}}
{{- if .Values.tls.internal.enabled }}
- --tls_cert=/etc/nbo/tls/tls.crt
- --tls_key=/etc/nbo/tls/tls.key
{{- if .Values.tls.internal.mutual }}
- --tls_client_ca=/etc/nbo/tls/ca.crt
{{- end }}
{{- end }}
{{- end }}

{{/* TLS arguments of a gRPC client of nbo-server (gateway, trainer). */}}
{{- define "nbo.clientTlsArgs" -}}
{{- if .Values.tls.internal.enabled }}
- --upstream_ca=/etc/nbo/tls/ca.crt
{{- if .Values.tls.internal.mutual }}
- --upstream_cert=/etc/nbo/tls/tls.crt
- --upstream_key=/etc/nbo/tls/tls.key
{{- end }}
{{- end }}
{{- end }}

{{- define "nbo.tokensVolume" -}}
- name: tokens
  secret:
    secretName: {{ include "nbo.authSecretName" . }}
    defaultMode: 0440
    items:
      - key: tokens
        path: tokens
{{- end }}

{{- define "nbo.tlsVolume" -}}
{{- if .Values.tls.internal.enabled }}
- name: internal-tls
  secret:
    secretName: {{ include "nbo.internalTlsSecretName" . }}
    defaultMode: 0440
{{- end }}
{{- end }}

{{- define "nbo.tlsMount" -}}
{{- if .Values.tls.internal.enabled }}
- name: internal-tls
  mountPath: /etc/nbo/tls
  readOnly: true
{{- end }}
{{- end }}

{{/* Pod-level settings every pod shares. */}}
{{- define "nbo.podCommon" -}}
serviceAccountName: {{ include "nbo.serviceAccountName" . }}
automountServiceAccountToken: false
# Service links would put <SERVICE>_PORT variables in the environment, and
# every NBO_* variable is a flag to the binaries.
enableServiceLinks: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
A gRPC health check as an exec probe, for ports that speak TLS (the
kubelet's grpc probe does not): nboctl health over the pod's own client
certificate, checked against the Service name the certificate carries.
Call with (dict "root" $ "port" PORT "service" "" "name" SERVICE_NAME
"probe" PROBE_VALUES): nboctl's deadline is a second below the probe's
timeoutSeconds, so a slow check says why before the kubelet gives up.
*/}}
{{- define "nbo.tlsHealthProbe" -}}
exec:
  command:
    - /usr/local/bin/nboctl
    - health
    - --server=127.0.0.1:{{ .port }}
    - --service={{ .service }}
    - --timeout={{ max 1 (sub (int (default 2 .probe.timeoutSeconds)) 1) }}s
    - --ca_file=/etc/nbo/tls/ca.crt
    {{- if .root.Values.tls.internal.mutual }}
    - --cert_file=/etc/nbo/tls/tls.crt
    - --key_file=/etc/nbo/tls/tls.key
    {{- end }}
    - --tls_server_name={{ .name }}
{{- end }}
