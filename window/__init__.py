"""The window clerk's page (`/window/`): an agency's own service that verifies presentations
(亮证) shown at its counter, records each verification on-chain and archives the scan."""
