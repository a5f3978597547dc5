"""The catalyst-dns Pulumi program: one Sovereign's zones, delegations and DNS settings.

Reads the stack configuration (``catalyst-dns:*``, see Pulumi.yaml), refusing bad values
before any resource is registered; creates one explicit provider per cloud in use; builds
the Sovereign; exports the zone ids, the name servers, the DS records of signed zones and
``settings``, the document the composition function reads (``catalyst-dns-handoff`` turns
it into the EnvironmentConfig).
"""

import pulumi

from catalyst_dns.errors import DnsInputError
from components import config as stack_config
from components import providers as stack_providers
from components.base import label_for
from components.sovereign import Sovereign, check_args

# Everything is checked before the first resource (even a provider) registers. A refusal
# leaves as a ConfigError (a pulumi.RunError): `pulumi preview` shows its one line, no traceback.
try:
    cfg = stack_config.load()
    name = label_for(cfg.domain)
    check_args(name, cfg.sovereign_args({}), need_providers=False)
    explicit = stack_providers.build(name, cfg)
    sovereign = Sovereign(name, cfg.sovereign_args(explicit))
except stack_config.ConfigError:
    raise
except DnsInputError as exc:
    raise stack_config.ConfigError(exc.field, exc.value, exc.rule) from None

pulumi.export("domain", cfg.domain)
pulumi.export("zoneIds", sovereign.zone_ids)
pulumi.export("nameServers", sovereign.name_servers)
pulumi.export("dsRecords", sovereign.ds_records)
pulumi.export("gslbNameServers", sovereign.gslb.nameservers)
pulumi.export("settings", sovereign.settings.apply(lambda s: s.to_data()))
