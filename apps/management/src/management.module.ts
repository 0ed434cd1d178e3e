import { DynamicModule, Module } from '@nestjs/common';
import { AppContext, AppContextModule } from '@connaisseur-mesh/observability';
import { AdmissionController } from './admission/admission.controller';
import { AlertsService } from './alerting/alerts.service';
import { AdmissionService } from './admission/admission.service';
import { ParentImagesService } from './approval/parent-images.service';
import { VerdictCache } from './cache/verdict-cache.service';
import { MANAGEMENT_ENV, ManagementEnv } from './config/management.env';
import { DependencyHealth } from './health/dependency-health.service';
import { ManagementMetrics } from './metrics/management-metrics';
import { ImageValidationService } from './validation/image-validation.service';
import { ValidatorRegistry } from './validators/validator-registry.service';

@Module({})
export class ManagementModule {
  static forRoot(context: AppContext, env: ManagementEnv): DynamicModule {
    return {
      module: ManagementModule,
      imports: [AppContextModule.forRoot(context)],
      controllers: [AdmissionController],
      providers: [
        { provide: MANAGEMENT_ENV, useValue: env },
        AdmissionService,
        ImageValidationService,
        ValidatorRegistry,
        VerdictCache,
        ParentImagesService,
        ManagementMetrics,
        DependencyHealth,
        AlertsService,
      ],
    };
  }
}
