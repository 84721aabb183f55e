/**
 * What `ripcord init` writes: the seeds' rollback plan as a commented `ripcord.yaml`.
 * Kept valid by a test (load-config.test.ts), so a new user starts from a file that works.
 */
export function starterConfig(service: string): string {
  return `# ripcord.yaml — the rollback plan of ${service}, as configuration.
# Check it with:  ripcord validate        JSON Schema for editors:  ripcord schema > ripcord.schema.json
service: ${service}

# The decision matrix: severity → action and deadline. Omitted rows keep the defaults below,
# which are the seeds' matrix (P0 immediate rollback < 5m, P1 rollback < 15m, P2 kill switch
# or fix forward < 1h, P3 fix forward in the next deploy).
policy:
  P0: { action: rollback, within: 5m }
  P1: { action: rollback, within: 15m }
  P2: { action: kill_switch, within: 1h }
  P3: { action: fix_forward, within: next_deploy }

environments:
  production:
    # How ripcord acts on this environment. Secrets come from the environment: \${VAR}.
    provider: { kind: command, deploy: ./scripts/deploy.sh, rollback: ./scripts/rollback.sh }

    # What ripcord watches after each release.
    signals:
      health: { http: http://127.0.0.1:3000/health, every: 10s }
      requests: { ingest: true }          # request outcomes sent to POST /api/v1/ingest
      reports: { reports: true }          # user bug reports sent to POST /api/v1/reports

    # When to roll back. Leave "triggers" out to get exactly these, the seeds' rules.
    triggers:
      - { signal: requests.error_rate, above: 5%, for: 5m, severity: P1 }
      - { signal: requests.p95, above_baseline: 50%, severity: P1 }
      - { signal: health.failures, above: 3, within: 5m, severity: P0 }
      - { signal: reports.count, above: 10, within: 1h, severity: P1 }
      # The first two as sequential tests: seconds instead of minutes, false rollbacks bounded by 0.1%:
      # - { canary: [requests.error_rate], false_rollback_rate: 0.1%, severity: P1 }
      # - { canary: [requests.p95], margin: 50%, severity: P1 }

    # How to undo a release, in order, then what proves it worked.
    rollback:
      - previous_release
    verify:
      - health
      - { command: npm run test:smoke }
      - { observe: 15m }

    # Who hears about it.
    notify:
      - status_page
    escalation:
      - { after: 0m, to: primary }
      - { after: 5m, to: secondary }
      - { after: 10m, to: manager }
`;
}
