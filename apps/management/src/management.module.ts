import { DynamicModule, Module } from '@nestjs/common';
import { AppContext, AppContextModule } from '@connaisseur-mesh/observability';
import { AdmissionController } from './admission/admission.controller';
import { AlertsService } from './alerting/alerts.service';
import { AdmissionService } from './admission/admission.service';
import { MANAGEMENT_ENV, ManagementEnv } from './config/management.env';
import { ImageValidationService } from './validation/image-validation.service';
import { ValidatorRegistry } from './validators/validator-registry.service';

@Module({})
export class ManagementModule {
  static forRoot(context: AppContext, env: ManagementEnv): DynamicModule {
    return {
      module: ManagementModule,
      imports: [AppContextModule.forRoot(context)],
      controllers: [AdmissionController],
      providers: [{ provide: MANAGEMENT_ENV, useValue: env }, AdmissionService, ImageValidationService, ValidatorRegistry, AlertsService],
    };
  }
}
