import { Module } from '@nestjs/common';
import { NotationValidatorController } from './notation-validator.controller';

@Module({ controllers: [NotationValidatorController] })
export class ValidatorNotationModule {}
