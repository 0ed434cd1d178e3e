import { ServerUnaryCall } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { alertingV1 } from '@connaisseur-mesh/contracts';
import { AlertDispatcher } from './alert-dispatcher.service';

type Request = alertingV1.SendAlertRequest;
type Response = alertingV1.SendAlertResponse;

@Controller()
@alertingV1.AlertingServiceControllerMethods()
export class AlertingController implements alertingV1.AlertingServiceController {
  constructor(private readonly dispatcher: AlertDispatcher) {}

  /** Nest passes the call itself third: its deadline bounds the receivers the caller waits for. */
  sendAlert(request: Request, _metadata?: unknown, call?: ServerUnaryCall<Request, Response>): Promise<Response> {
    const deadline = call?.getDeadline() ?? Infinity;
    return this.dispatcher.send(request, deadline instanceof Date ? deadline.getTime() : deadline);
  }
}
