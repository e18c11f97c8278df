{{- define "seekdesk.name" -}}{{ .Release.Name }}-seekdesk{{- end -}}
{{- define "seekdesk.labels" -}}
app.kubernetes.io/name: seekdesk
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}
{{- define "seekdesk.selector" -}}
app.kubernetes.io/name: seekdesk
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
