{{/* The release's name, cut to the 63 characters a DNS label allows. */}}
{{- define "switchboard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "switchboard.labels" -}}
{{ include "switchboard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* A setting's key as its environment variable: docs/configuration.md's rule. */}}
{{- define "switchboard.envName" -}}
{{- printf "SWITCHBOARD_%s" (regexReplaceAll "[.-]" . "_" | upper) -}}
{{- end -}}

{{/* Settings the chart sets itself, from its own values or from the Secret. */}}
{{- define "switchboard.chartSettings" -}}
server.host server.port server.drain-delay server.drain-timeout access.master-key access.master-key-file admin.token access.store logs.store responses.store access.redis.url cache.redis.url
{{- end -}}
