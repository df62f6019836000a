#!/bin/sh
# Entrypoint of the AutoMon silo image. The launcher gives the silo host its command line (role, region, cluster id,
# ports, membership table); only the running container knows its own addresses, so they are found here:
#   - the address to listen on and give the silo host as --address: the task's private IPv4 (ECS task metadata v4 on
#     Fargate), else the instance's (EC2 instance metadata, IMDSv2), else the first address of this host name;
#   - the public IPv4 the other region reaches it at: AUTOMON_ADVERTISEDADDRESS when the launcher's EC2 user data set it,
#     else instance metadata, else checkip.amazonaws.com (Fargate tasks, AUTOMON_ADVERTISE_PUBLIC_IP=true). Exported as
#     AUTOMON_ADVERTISEDADDRESS, the silo host's AdvertisedAddress setting: it advertises that and listens on the private one.
# A command line that already has --address (local runs) is passed through unchanged.
set -eu

for argument in "$@"; do
  if [ "$argument" = "--address" ]; then
    exec dotnet /app/AutoMon.Silos.dll "$@"
  fi
done

imds_token() {
  curl -sf -m 2 -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' || true
}

private_ip=""
if [ -n "${ECS_CONTAINER_METADATA_URI_V4:-}" ]; then
  private_ip=$(curl -sf -m 2 "$ECS_CONTAINER_METADATA_URI_V4" \
    | sed -n 's/.*"IPv4Addresses":\["\([0-9.]*\)".*/\1/p' || true)
fi
token=""
if [ -z "$private_ip" ]; then
  token=$(imds_token)
  if [ -n "$token" ]; then
    private_ip=$(curl -sf -m 2 -H "X-aws-ec2-metadata-token: $token" \
      http://169.254.169.254/latest/meta-data/local-ipv4 || true)
  fi
fi
if [ -z "$private_ip" ]; then
  private_ip=$(hostname -i | cut -d' ' -f1)
fi

public_ip="${AUTOMON_ADVERTISEDADDRESS:-}"
if [ -z "$public_ip" ] && [ -z "${ECS_CONTAINER_METADATA_URI_V4:-}" ]; then
  [ -n "$token" ] || token=$(imds_token)
  if [ -n "$token" ]; then
    public_ip=$(curl -sf -m 2 -H "X-aws-ec2-metadata-token: $token" \
      http://169.254.169.254/latest/meta-data/public-ipv4 || true)
  fi
fi
if [ -z "$public_ip" ] && [ "${AUTOMON_ADVERTISE_PUBLIC_IP:-false}" = "true" ]; then
  public_ip=$(curl -sf -m 5 https://checkip.amazonaws.com | tr -d '[:space:]' || true)
fi
export AUTOMON_ADVERTISEDADDRESS="$public_ip"
echo "automon-silo: private address ${private_ip:-unknown}, public address ${public_ip:-unknown}"

exec dotnet /app/AutoMon.Silos.dll --address "$private_ip" "$@"
