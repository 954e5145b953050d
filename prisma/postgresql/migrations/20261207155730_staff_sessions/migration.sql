-- AlterTable
ALTER TABLE "Resident" ADD COLUMN     "sessionEpoch" INTEGER NOT NULL DEFAULT 0;
