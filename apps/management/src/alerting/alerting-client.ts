import { alertingV1 } from '@connaisseur-mesh/contracts';
import { ALERTING_PROTO, ALERTING_SERVICE, ServiceChannel } from '@connaisseur-mesh/grpc';

/** The channel to the alerting service (ALERTING_ADDRESS). Fails with a CallError. */
export class AlertingClient extends ServiceChannel {
  constructor(address: string) {
    super(address, ALERTING_PROTO, ALERTING_SERVICE);
  }

  sendAlert(request: alertingV1.SendAlertRequest, deadline: Date): Promise<alertingV1.SendAlertResponse> {
    return this.call('SendAlert', request, deadline);
  }
}
