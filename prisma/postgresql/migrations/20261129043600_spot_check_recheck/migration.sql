-- AlterTable
ALTER TABLE "SpotCheck" ADD COLUMN     "recheck" TEXT;
