import type { Duration } from 'aws-cdk-lib';
import { EventBus, Rule, type IEventBus, type IRuleTarget } from 'aws-cdk-lib/aws-events';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EVENT_SOURCE, type DetailType } from '../../functions/core/outcome/outcome-event.js';
import type { OutcomeKind, Reason } from '../../functions/core/outcome/outcome.js';
import { ENV } from '../../functions/env.js';

export interface OutcomeEventsOptions {
  /**
   * Put each final outcome on an EventBridge bus as an event (source `swarm-send`, docs/events.md):
   * `true` creates a bus, an `IEventBus` uses that one. The function may only `events:PutEvents` on it.
   * @default false - no events: nothing changes
   */
  readonly outcomeEvents?: boolean | IEventBus;
}

export interface OutcomeEventsProps {
  /** The bus to use. @default - a new bus */
  readonly eventBus?: IEventBus;
  /** An attempt that ends longer than this after its message was sent emits `Replication Missed Threshold`. */
  readonly recoveryPointObjective: Duration;
}

/** What a rule made by `onOutcome` matches besides the source: each list given narrows it. */
export interface OutcomeEventPattern {
  /** @default - every detail-type */
  readonly detailTypes?: readonly DetailType[];
  /** The record's `outcome`. @default - every outcome */
  readonly outcomes?: readonly OutcomeKind[];
  /** The record's `reason`. @default - every reason */
  readonly reasons?: readonly Reason[];
  /** The record's `to` (the DR cluster's registry key). @default - every destination */
  readonly to?: readonly string[];
}

/**
 * The outcome events of a pipeline: the bus (created or given), the environment that tells the
 * SEND function where to put them, the grant of `events:PutEvents` on that bus alone, and rules
 * that route chosen events to targets (`onOutcome`).
 */
export class OutcomeEvents extends Construct {
  public readonly eventBus: IEventBus;
  readonly #rpoSeconds: number;

  constructor(scope: Construct, id: string, props: OutcomeEventsProps) {
    super(scope, id);
    this.eventBus = props.eventBus ?? new EventBus(this, 'Bus', { description: 'swarm-send outcome events' });
    this.#rpoSeconds = props.recoveryPointObjective.toSeconds();
  }

  /** The variables that turn events on in the SEND handler (or the worker): the bus and the RPO. */
  environment(): Record<string, string> {
    return {
      [ENV.EVENT_BUS_NAME]: this.eventBus.eventBusArn,
      [ENV.EVENTS_RPO_SECONDS]: String(this.#rpoSeconds),
    };
  }

  /** Lets `grantee` put events on this bus, and nothing else (`events:PutEvents` on its ARN). */
  grantPutEvents(grantee: IGrantable): void {
    this.eventBus.grantPutEventsTo(grantee);
  }

  /** Sets the environment on a function and grants it PutEvents. */
  attach(fn: IFunction & { addEnvironment(key: string, value: string): unknown }): void {
    for (const [k, v] of Object.entries(this.environment())) fn.addEnvironment(k, v);
    this.grantPutEvents(fn);
  }

  /** A rule on the bus that sends swarm-send events matching `pattern` to `target`. */
  onOutcome(id: string, pattern: OutcomeEventPattern, target: IRuleTarget): Rule {
    const detail: Record<string, string[]> = {};
    if (pattern.outcomes?.length) detail.outcome = [...pattern.outcomes];
    if (pattern.reasons?.length) detail.reason = [...pattern.reasons];
    if (pattern.to?.length) detail.to = [...pattern.to];
    return new Rule(this, id, {
      eventBus: this.eventBus,
      description: 'swarm-send outcome events',
      eventPattern: {
        source: [EVENT_SOURCE],
        ...(pattern.detailTypes?.length && { detailType: [...pattern.detailTypes] }),
        ...(Object.keys(detail).length && { detail }),
      },
      targets: [target],
    });
  }
}
