import { Module } from '@nestjs/common';
import { AlertingController } from './alerting.controller';

@Module({ controllers: [AlertingController] })
export class AlertingModule {}
