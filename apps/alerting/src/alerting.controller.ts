import { status } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { alertingV1 } from '@connaisseur-mesh/contracts';

@Controller()
@alertingV1.AlertingServiceControllerMethods()
export class AlertingController implements alertingV1.AlertingServiceController {
  /** Not built yet: answers UNIMPLEMENTED. */
  sendAlert(): never {
    throw new RpcException({ code: status.UNIMPLEMENTED, message: 'alerting: alert delivery is not implemented yet' });
  }
}
