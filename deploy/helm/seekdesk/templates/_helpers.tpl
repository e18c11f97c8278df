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
{{/* "true" when more than one pod may run: replicaCount above 1, or an autoscaler. */}}
{{- define "seekdesk.multi" -}}
{{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) }}true{{ end -}}
{{- end -}}
{{/* Refuses values that would render a broken deployment; included once, by deployment.yaml. */}}
{{- define "seekdesk.validate" -}}
{{- $v := .Values -}}
{{- if and (include "seekdesk.multi" .) (not $v.config.storeUrlSecret) -}}
{{- $what := ternary "autoscaling.enabled" (printf "replicaCount %v" (int $v.replicaCount)) (eq $v.autoscaling.enabled true) -}}
{{- fail (printf "%s needs config.storeUrlSecret (store.driver postgres): without it all state is one SQLite file on a ReadWriteOnce volume, which one pod at a time can mount and SQLite cannot share between pods. Set config.storeUrlSecret, or keep replicaCount 1 with autoscaling.enabled false." $what) -}}
{{- end -}}
{{- if not (has $v.config.knowledgeStore (list "sqlite" "postgres")) -}}
{{- fail (printf "config.knowledgeStore must be sqlite or postgres, not %q" (toString $v.config.knowledgeStore)) -}}
{{- end -}}
{{- if $v.config.storeUrlSecret -}}
{{/* The integer printed back must be the value as given: int alone makes text 0 and cuts 2.5 to 2. */}}
{{- $pool := $v.config.storePoolSize -}}
{{- if or (lt (int $pool) 1) (gt (int $pool) 1000) (ne (toString (int $pool)) (toString $pool)) -}}
{{- fail (printf "config.storePoolSize must be a whole number of connections from 1 to 1000 (store.poolSize), not %v" (toString $pool)) -}}
{{- end -}}
{{- $acquire := $v.config.storeAcquireTimeoutMs -}}
{{- if or (lt (int $acquire) 1) (gt (int $acquire) 600000) (ne (toString (int $acquire)) (toString $acquire)) -}}
{{- fail (printf "config.storeAcquireTimeoutMs must be a whole number of milliseconds from 1 to 600000 (store.acquireTimeoutMs), not %v" (toString $acquire)) -}}
{{- end -}}
{{- end -}}
{{- with $v.config.authThrottle -}}
{{/* int makes any text 0, which for maxFailures would quietly turn the throttle off. */}}
{{- if or (lt (int .maxFailures) 0) (and (eq (int .maxFailures) 0) (ne (toString .maxFailures) "0")) -}}
{{- fail (printf "config.authThrottle.maxFailures must be a whole number of invalid keys (0 turns the throttle off), not %v" (toString .maxFailures)) -}}
{{- end -}}
{{- if lt (int .windowMs) 1 -}}
{{- fail (printf "config.authThrottle.windowMs must be a positive number of milliseconds, not %v" (toString .windowMs)) -}}
{{- end -}}
{{- if lt (int .maxClients) 1 -}}
{{- fail (printf "config.authThrottle.maxClients must be a positive number of addresses, not %v" (toString .maxClients)) -}}
{{- end -}}
{{- end -}}
{{- if and (eq $v.config.knowledgeStore "postgres") (not $v.config.storeUrlSecret) -}}
{{- fail "config.knowledgeStore postgres needs config.storeUrlSecret: the knowledge base goes to that Postgres (with pgvector)" -}}
{{- end -}}
{{- if and (include "seekdesk.multi" .) $v.models.existingClaim -}}
{{/* Only where Helm can see the cluster (install, upgrade); `helm template` finds nothing and checks nothing. */}}
{{- $claim := lookup "v1" "PersistentVolumeClaim" .Release.Namespace $v.models.existingClaim -}}
{{- if and $claim (not (or (has "ReadOnlyMany" $claim.spec.accessModes) (has "ReadWriteMany" $claim.spec.accessModes))) -}}
{{- fail (printf "models.existingClaim %s is %v: several pods on several nodes need ReadOnlyMany or ReadWriteMany" $v.models.existingClaim $claim.spec.accessModes) -}}
{{- end -}}
{{- end -}}
{{- end -}}
