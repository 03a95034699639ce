import {
  InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  Peer,
  Port,
  SecurityGroup,
  type IPeer,
  type IVpc,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { Registry } from '../../functions/core/registry/registry.js';
import { failOnProblems } from '../errors.js';
import { clusterEgressRules, egressProblems, secretReferences, type ClusterEgressRule } from '../registry-config.js';

/** HTTPS, the port of every AWS API the function calls. */
export const AWS_API_PORT = 443;

/** What a `PipelineNetwork` user chooses; `SwarmSendPipelineProps` extends it. */
export interface PipelineNetworkOptions {
  /** The VPC the function runs in, next to the Swarm clusters. */
  readonly vpc: IVpc;

  /**
   * Subnets of the function and of the interface endpoints (one per Availability Zone is used for
   * these); give `SendFunction` and `PipelineNetwork` the same.
   * @default - the VPC's private subnets, as Lambda selects them
   */
  readonly vpcSubnets?: SubnetSelection;

  /**
   * Create interface endpoints so the function reaches AWS APIs without a NAT: SQS always,
   * Secrets Manager when a cluster's credentials name a secret, SSM when
   * `registryFromParameter` is set (in `SwarmSendPipeline`: when `registryParameter` is). Leave
   * off when the VPC already has them (a second endpoint with private DNS for the same service
   * fails to deploy).
   * @default false
   */
  readonly interfaceEndpoints?: boolean;

  /**
   * Where the function may open HTTPS (443) connections to reach SQS, Secrets Manager and SSM.
   * @default - the created interface endpoints when `interfaceEndpoints` is on, else any IPv4
   *   address (the APIs' public endpoints, through the VPC's NAT)
   */
  readonly awsApiEgressPeer?: IPeer;
}

/** `PipelineNetworkOptions` plus what the fence is derived from: the registry and where it is read. */
export interface PipelineNetworkProps extends PipelineNetworkOptions {
  /** The validated cluster registry; egress is opened only to its clusters. */
  readonly registry: Registry;

  /**
   * The function reads the registry from SSM Parameter Store (adds the SSM endpoint).
   * @default false
   */
  readonly registryFromParameter?: boolean;
  /** The function puts outcome events on EventBridge: with interface endpoints, an EventBridge endpoint too. */
  readonly outcomeEvents?: boolean;
}

/**
 * The function's network fence: a security group whose egress reaches only the clusters'
 * networks on their SCSP ports (and HTTPS to the AWS APIs), plus optional interface endpoints
 * for subnets without a NAT.
 */
export class PipelineNetwork extends Construct {
  /** The function's security group. No ingress; egress as derived from the registry. */
  public readonly securityGroup: SecurityGroup;
  /** The cluster egress rules applied to `securityGroup`. */
  public readonly clusterEgress: readonly ClusterEgressRule[];
  /** Security group of the interface endpoints (HTTPS from the function only), when created. */
  public readonly endpointSecurityGroup?: SecurityGroup;
  /** SQS interface endpoint, when created. */
  public readonly sqsEndpoint?: InterfaceVpcEndpoint;
  /** Secrets Manager interface endpoint, when created and needed. */
  public readonly secretsManagerEndpoint?: InterfaceVpcEndpoint;
  /** SSM interface endpoint, when created and needed. */
  public readonly ssmEndpoint?: InterfaceVpcEndpoint;
  /** The EventBridge endpoint, when outcome events are on. */
  public readonly eventsEndpoint?: InterfaceVpcEndpoint;

  constructor(scope: Construct, id: string, props: PipelineNetworkProps) {
    super(scope, id);
    failOnProblems('PipelineNetwork', egressProblems(props.registry));

    this.securityGroup = new SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: props.vpc,
      description: 'swarm-send function: egress only to the Swarm clusters and AWS APIs',
      allowAllOutbound: false,
    });

    this.clusterEgress = clusterEgressRules(props.registry);
    for (const rule of this.clusterEgress) {
      const peer = rule.family === 4 ? Peer.ipv4(rule.cidr) : Peer.ipv6(rule.cidr);
      this.securityGroup.addEgressRule(peer, Port.tcp(rule.port), `Swarm cluster ${rule.cluster} (${rule.purpose})`);
    }

    if (props.interfaceEndpoints) {
      this.endpointSecurityGroup = new SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: props.vpc,
        description: 'swarm-send interface endpoints: HTTPS from the function only',
        allowAllOutbound: false,
      });
      this.endpointSecurityGroup.addIngressRule(
        this.securityGroup,
        Port.tcp(AWS_API_PORT),
        'HTTPS from the swarm-send function',
      );
      const subnets: SubnetSelection = { ...props.vpcSubnets, onePerAz: true };
      const endpoint = (name: string, service: InterfaceVpcEndpointAwsService) =>
        new InterfaceVpcEndpoint(this, name, {
          vpc: props.vpc,
          service,
          subnets,
          privateDnsEnabled: true,
          open: false,
          securityGroups: [this.endpointSecurityGroup!],
        });
      this.sqsEndpoint = endpoint('SqsEndpoint', InterfaceVpcEndpointAwsService.SQS);
      if (secretReferences(props.registry).length > 0) {
        this.secretsManagerEndpoint = endpoint(
          'SecretsManagerEndpoint',
          InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        );
      }
      if (props.registryFromParameter) this.ssmEndpoint = endpoint('SsmEndpoint', InterfaceVpcEndpointAwsService.SSM);
      if (props.outcomeEvents)
        this.eventsEndpoint = endpoint('EventsEndpoint', InterfaceVpcEndpointAwsService.EVENTBRIDGE);
    }

    const apiPeer = props.awsApiEgressPeer ?? this.endpointSecurityGroup ?? Peer.anyIpv4();
    this.securityGroup.addEgressRule(apiPeer, Port.tcp(AWS_API_PORT), 'HTTPS to AWS APIs (SQS, Secrets Manager, SSM)');
  }
}
