import { onCallFor } from './on-call';
import {
  type DeliveryMode,
  type EscalationPolicy,
  type LegalAidPartner,
  type Person,
  type RecipientRole,
  type RoutingConfig,
} from './routing-config';
import { type Channel, type Locale, type Urgency } from './types';

export interface ChannelAddress {
  channel: Channel;
  address: string;
}

export interface Recipient {
  id: string;
  kind: 'person' | 'partner';
  locale: Locale;
  /** The tier's channels, in the recipient's order of preference. */
  channels: ChannelAddress[];
  /** The recipient's other channels, in their order: where delivery fails over to last. */
  fallbacks: ChannelAddress[];
}

export interface TierRecipients {
  recipients: Recipient[];
  ackTimeoutMinutes: number | null;
  isLast: boolean;
  delivery: DeliveryMode;
}

/** The region's own policy for an urgency where it sets one, else the global one. */
export function policyFor(
  config: RoutingConfig,
  regionId: string,
  urgency: Urgency,
): EscalationPolicy | null {
  const region = Object.hasOwn(config.regions, regionId) ? config.regions[regionId] : undefined;
  if (!region) return null;
  return region.policies?.[urgency] ?? config.policies[urgency];
}

function addressOf(contact: Person | LegalAidPartner, channel: Channel): string | undefined {
  switch (channel) {
    case 'email':
      return contact.email;
    case 'sms':
      return contact.phone;
    case 'webhook':
      return contact.webhook;
  }
}

function toRecipient(
  id: string,
  kind: Recipient['kind'],
  contact: Person | LegalAidPartner,
  tierChannels: readonly Channel[],
): Recipient {
  const reachable = (channels: readonly Channel[]): Recipient['channels'] =>
    channels.flatMap((channel) => {
      const address = addressOf(contact, channel);
      return address === undefined ? [] : [{ channel, address }];
    });
  // The tier chooses the channels and the recipient's list orders them. A channel the
  // recipient never listed is not used (a shared phone is a safety risk), but nobody drops
  // out of a tier because the two lists do not meet: then their own channels are used.
  const wanted = reachable(contact.channels.filter((channel) => tierChannels.includes(channel)));
  const channels = wanted.length > 0 ? wanted : reachable(contact.channels);
  return {
    id,
    kind,
    locale: contact.locale,
    channels,
    fallbacks: reachable(contact.channels).filter(
      (own) => !channels.some((used) => used.channel === own.channel),
    ),
  };
}

/**
 * Who to page at one tier of the escalation policy for a region and urgency, resolved at an
 * instant (the on-call rota changes hands). Null when there is nothing to page: an unknown
 * region, or a tier past the end of the policy (routine has no tiers: console only).
 */
export function recipientsForTier(
  config: RoutingConfig,
  regionId: string,
  urgency: Urgency,
  tier: number,
  at: Date,
): TierRecipients | null {
  const region = Object.hasOwn(config.regions, regionId) ? config.regions[regionId] : undefined;
  const policy = policyFor(config, regionId, urgency);
  if (!region || !policy || !Number.isInteger(tier) || tier < 0) return null;
  const step = policy.tiers[tier];
  if (!step) return null;

  const onCall = onCallFor(config, regionId, at);
  const personIds = (role: RecipientRole): string[] => {
    switch (role) {
      case 'on-call-primary':
        return onCall ? [onCall.primary] : [];
      case 'on-call-deputy':
        return onCall ? [onCall.deputy] : [];
      case 'regional-lead':
        return [region.lead];
      case 'unhcr-focal-point':
        return [region.unhcrFocalPoint];
      case 'legal-aid-partner':
        return [];
    }
  };

  const recipients: Recipient[] = [];
  const seen = new Set<string>();
  const add = (recipient: Recipient): void => {
    const key = `${recipient.kind}:${recipient.id}`;
    // One person in two roles (the lead also on call) gets one message, not two.
    if (seen.has(key) || recipient.channels.length === 0) return;
    seen.add(key);
    recipients.push(recipient);
  };

  for (const role of step.recipients) {
    for (const id of personIds(role)) {
      const person = Object.hasOwn(config.people, id) ? config.people[id] : undefined;
      if (person) add(toRecipient(id, 'person', person, step.channels));
    }
    if (role === 'legal-aid-partner') {
      for (const id of region.legalAidPartners) {
        const partner = Object.hasOwn(config.partners, id) ? config.partners[id] : undefined;
        if (partner) add(toRecipient(id, 'partner', partner, step.channels));
      }
    }
  }

  return {
    recipients,
    ackTimeoutMinutes: step.ackTimeoutMinutes,
    isLast: tier === policy.tiers.length - 1,
    delivery: step.delivery ?? 'parallel',
  };
}
