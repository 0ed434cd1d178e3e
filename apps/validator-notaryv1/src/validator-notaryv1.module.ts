import { Module } from '@nestjs/common';
import { NotaryV1ValidatorController } from './notaryv1-validator.controller';

@Module({ controllers: [NotaryV1ValidatorController] })
export class ValidatorNotaryV1Module {}
