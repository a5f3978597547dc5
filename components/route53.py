"""A Route53 public hosted zone (pulumi_aws v7), optionally DNSSEC-signed with a KMS key."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from catalyst_dns.dnssec import Ds, ds_from
from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import route53 as rules
from catalyst_dns.records import RecordType
from components.base import (
    ZoneArgsBase,
    ZoneComponent,
    child_name,
    normalise_nameservers,
)

KIND = "Route53Zone"


@dataclass(frozen=True, slots=True)
class Route53ZoneArgs(ZoneArgsBase):
    """A Route53 hosted zone.

    Attributes:
        kms_provider: an AWS provider in us-east-1 for the DNSSEC signing key (Route53
            only signs with KMS keys there); defaults to ``provider``.
        kms_key_arn: an existing signing key (ECC_NIST_P256, SIGN_VERIFY) to use instead
            of creating one.
    """

    kms_provider: pulumi.ProviderResource | None = None
    kms_key_arn: str | None = None


class Route53Zone(ZoneComponent):
    """A public hosted zone; with ``dnssec`` a KMS key, a key-signing key and signing on."""

    provider_key = "route53"
    assigned_nameservers = rules.ASSIGNED_NAMESERVERS

    def __init__(self, name: str, args: Route53ZoneArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(KIND, name, args, opts)
        self.zone = aws.route53.Zone(
            child_name(name, "zone"),
            name=self.zone_name,
            comment=f"{self.zone_name}: managed by catalyst-dns",
            force_destroy=False,
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, protect=args.protect),
        )
        self.zone_id = self.zone.zone_id
        self.name_servers = self.zone.name_servers.apply(
            lambda ns: normalise_nameservers(ns, f"route53 zone {self.zone_name}"))
        self.ds = None
        if args.dnssec:
            self.ds = self._sign(name, args)
        self.register_outputs({"zoneId": self.zone_id, "nameServers": self.name_servers,
                               "ds": self.ds.apply(lambda d: d.presentation) if self.ds else None})

    @classmethod
    def validate(cls, name: str, args: ZoneArgsBase) -> None:
        """The KMS key ARN, when given, must be a us-east-1 KMS key."""
        super().validate(name, args)
        if not isinstance(args, Route53ZoneArgs):
            raise DnsInputError(name, type(args).__name__, "must be Route53ZoneArgs")
        arn = args.kms_key_arn
        if arn is not None and not arn.startswith(f"arn:aws:kms:{rules.DNSSEC_KMS_REGION}:"):
            raise DnsInputError(f"{name}.kmsKeyArn", arn,
                                f"must be a KMS key in {rules.DNSSEC_KMS_REGION} "
                                "(the only region Route53 DNSSEC signs from)")

    def _sign(self, name: str, args: Route53ZoneArgs) -> pulumi.Output[Ds]:
        kms_provider = args.kms_provider or args.provider
        key_arn: pulumi.Input[str]
        if args.kms_key_arn:
            key_arn = args.kms_key_arn
        else:
            identity = aws.get_caller_identity_output(
                opts=pulumi.InvokeOutputOptions(provider=kms_provider, parent=self))
            policy = identity.account_id.apply(_kms_policy)
            self.kms_key = aws.kms.Key(
                child_name(name, "dnssec-key"),
                description=f"Route53 DNSSEC key-signing key for {self.zone_name}",
                customer_master_key_spec="ECC_NIST_P256",
                key_usage="SIGN_VERIFY",
                deletion_window_in_days=30,
                policy=policy,
                opts=pulumi.ResourceOptions(parent=self, provider=kms_provider,
                                            protect=args.protect),
            )
            key_arn = self.kms_key.arn
        self.ksk = aws.route53.KeySigningKey(
            child_name(name, "ksk"),
            hosted_zone_id=self.zone.zone_id,
            key_management_service_arn=key_arn,
            name=rules.ksk_name(self.zone_name),
            status="ACTIVE",
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider),
        )
        self.signing = aws.route53.HostedZoneDnsSec(
            child_name(name, "dnssec"),
            hosted_zone_id=self.ksk.hosted_zone_id,
            signing_status="SIGNING",
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider,
                                        depends_on=[self.ksk]),
        )
        return pulumi.Output.all(self.ksk.key_tag, self.ksk.signing_algorithm_type,
                                 self.ksk.digest_algorithm_type, self.ksk.digest_value,
                                 self.signing.id).apply(
            ds_from)

    def write_records(self, resource_name: str, name: str, rtype: RecordType, ttl: int,
                      values: pulumi.Input[Sequence[str]], count: int,
                      parent: pulumi.Resource) -> list[pulumi.CustomResource]:
        """One Record holding the whole set."""
        record_set = self.record_set(name, rtype, ttl, resource_name)
        records = self.formatted(rtype, values, None, resource_name, rules.record_value)
        return [aws.route53.Record(
            resource_name,
            zone_id=self.zone_id,
            name=rules.record_name(record_set),
            type=rtype.value,
            ttl=record_set.ttl,
            records=records,
            opts=self.child_opts(parent),
        )]

    def write_ds(self, resource_name: str, name: str, ttl: int, ds: pulumi.Output[Ds],
                 parent: pulumi.Resource) -> list[pulumi.CustomResource]:
        """One DS Record."""
        record_set = self.ds_record_set(name, ttl, resource_name)
        return [aws.route53.Record(
            resource_name,
            zone_id=self.zone_id,
            name=rules.record_name(record_set),
            type=str(record_set.type),
            ttl=record_set.ttl,
            records=ds.apply(lambda d: [d.presentation]),
            opts=self.child_opts(parent),
        )]


def _kms_policy(account_id: str) -> str:
    """The key policy Route53 DNSSEC needs: the account administers, Route53 signs."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "Allow Route 53 DNSSEC Service", "Effect": "Allow",
             "Principal": {"Service": "dnssec-route53.amazonaws.com"},
             "Action": ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"], "Resource": "*",
             "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}},
            {"Sid": "Allow Route 53 DNSSEC to CreateGrant", "Effect": "Allow",
             "Principal": {"Service": "dnssec-route53.amazonaws.com"},
             "Action": ["kms:CreateGrant"], "Resource": "*",
             "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}},
        ],
    })
