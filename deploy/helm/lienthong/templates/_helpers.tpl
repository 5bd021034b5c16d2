{{/* The release's name for one service: <release>-<service>. */}}
{{- define "lienthong.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object of a service. */}}
{{- define "lienthong.labels" -}}
app.kubernetes.io/name: lienthong
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* What selects a service's pods. */}}
{{- define "lienthong.selector" -}}
app.kubernetes.io/name: lienthong
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "lienthong.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* An env entry from a secret's key: name, then a dict with name, key and optional. */}}
{{- define "lienthong.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "%s: the secret's name" .env) .ref.name }}
      key: {{ required (printf "%s: the secret's key" .env) .ref.key }}
      {{- if .ref.optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/* The database address without a login: services connect as their own role, the migrations as
     database.migrationUser, each with its password from a secret. */}}
{{- define "lienthong.databaseUrl" -}}
{{- printf "postgresql://%s:%d/%s" .Values.database.host (int .Values.database.port) .Values.database.name -}}
{{- end -}}

{{/* The Kafka CA's mount, when the cluster CA secret is named. */}}
{{- define "lienthong.kafkaCaFile" -}}
/etc/lienthong/kafka-ca/{{ .Values.kafka.caSecret.key }}
{{- end -}}

{{/* The pod-level and container-level settings every lienthong container shares. */}}
{{- define "lienthong.podSecurity" -}}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
